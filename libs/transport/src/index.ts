// Public API of @tanhui/transport.
export {};
