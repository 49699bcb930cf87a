/**
 * Alert bodies are built from allow-listed fields (ids, statuses, amounts, codes). The only free
 * text they carry is a provider's reason or error message, which a merchant or customer may have
 * typed; this masks anything that looks like an e-mail, a phone number or a card number in it and
 * caps its length, so an alert never carries PII even when the source text does.
 */

import { redactText } from "../kernel/redact";

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// Runs of 7+ digits, allowing spaces, dots, dashes, parentheses and a leading +: phones and cards.
const LONG_NUMBER = /\+?\(?\d[\d\s().-]{5,}\d/g;
const MAX_LENGTH = 200;

export const scrubFreeText = (text: string | null | undefined): string | undefined => {
  if (text === null || text === undefined) return undefined;
  // The kernel's log redactor first (secrets, e-mails, Luhn cards, phones, streets), then a
  // stricter pass: any long digit run is masked here, valid card number or not.
  const masked = redactText(text)
    .replace(EMAIL, "[email]")
    .replace(LONG_NUMBER, (run) => (run.replace(/\D/g, "").length >= 7 ? "[number]" : run))
    .replace(/\s+/g, " ")
    .trim();
  if (masked === "") return undefined;
  return masked.length > MAX_LENGTH ? `${masked.slice(0, MAX_LENGTH - 1)}…` : masked;
};
