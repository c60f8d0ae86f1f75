// Public API of @tanhui/observations.
export {};
