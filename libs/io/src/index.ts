// Public API of @tanhui/io.
export {};
