// The variable a script sets to unlock the passphrase-sealed secret store (no terminal to ask on).
export const SECRETS_PASSPHRASE_ENV = 'CLUSTERWRIGHT_SECRETS_PASSPHRASE';
