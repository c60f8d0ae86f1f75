// Public API of @tanhui/analysis.
export {};
