// The version printed by --version and stored in run-store provenance.
export const VERSION = '0.1.0';
