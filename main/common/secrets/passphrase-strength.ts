// How strong a new secret-store passphrase is, in words an admin can act on. Pure: the unlock dialog
// shows the hint as the admin types, and the services refuse to create a store with a passphrase below the floor.

/** Shortest passphrase a new store accepts (an existing store opens with whatever it was created with). */
export const MIN_NEW_PASSPHRASE_LENGTH = 10;

export type PassphraseStrength = 'too-short' | 'weak' | 'fair' | 'strong';

export interface PassphraseAssessment {
  strength: PassphraseStrength;
  /** 0–4, for a meter. */
  score: number;
  /** One sentence: what makes it weak, or that it is fine. */
  hint: string;
  /** Whether a new store may be created with it. */
  acceptable: boolean;
}

const common = ['password', 'passwort', 'letmein', 'qwerty', 'azerty', '123456', 'admin', 'root', 'proxmox', 'clusterwright', 'secret', 'welcome'];

/**
 * Rough entropy from length and the kinds of characters used, lowered for repeats, runs and common
 * words. Not a cracking model: enough to steer an admin away from "proxmox1" towards a few random words.
 */
export function assessPassphrase(passphrase: string): PassphraseAssessment {
  const length = [...passphrase].length;
  if (length < MIN_NEW_PASSPHRASE_LENGTH) {
    return { strength: 'too-short', score: 0, hint: `Use at least ${MIN_NEW_PASSPHRASE_LENGTH} characters (now ${length}); several unrelated words are easy to type and hard to guess.`, acceptable: false };
  }
  let pool = 0;
  if (/[a-z]/.test(passphrase)) pool += 26;
  if (/[A-Z]/.test(passphrase)) pool += 26;
  if (/[0-9]/.test(passphrase)) pool += 10;
  if (/[^A-Za-z0-9]/.test(passphrase)) pool += 33;
  const distinct = new Set(passphrase).size;
  let bits = Math.log2(Math.max(pool, 2)) * Math.min(length, distinct * 2);
  const lower = passphrase.toLowerCase();
  const word = common.find((w) => lower.includes(w));
  if (word) bits -= 20;
  if (/(.)\1{3,}/.test(passphrase)) bits -= 15;
  if (/(?:0123|1234|2345|3456|4567|5678|6789|abcd|bcde|cdef)/i.test(passphrase)) bits -= 10;
  if (word) return { strength: 'weak', score: 1, hint: `It contains "${word}", one of the first words anyone tries: choose other words.`, acceptable: true };
  if (bits < 50) return { strength: 'weak', score: 1, hint: 'Weak: make it longer or less regular (repeats and runs like 1234 add little).', acceptable: true };
  if (bits < 75) return { strength: 'fair', score: 2 + (bits >= 62 ? 1 : 0), hint: 'Fair: a few more characters or another word would make it strong.', acceptable: true };
  return { strength: 'strong', score: 4, hint: 'Strong.', acceptable: true };
}
