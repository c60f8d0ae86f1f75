// Public API of @tanhui/solvers.
export {};
