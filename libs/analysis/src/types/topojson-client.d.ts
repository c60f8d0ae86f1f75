// topojson-client ships no type declarations; only `feature` is used here.
declare module 'topojson-client' {
  export function feature(topology: unknown, object: unknown): unknown;
}
