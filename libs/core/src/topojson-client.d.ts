// Minimal types for the part of topojson-client that core uses (the package ships none).
declare module 'topojson-client' {
  export function feature(topology: unknown, object: unknown): unknown;
}
