// Public API of @tanhui/priors.
export {};
