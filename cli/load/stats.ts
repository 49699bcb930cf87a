/** Small statistics for the load, soak and drill reports. */
export const quantile = (values: ReadonlyArray<number>, q: number): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
};

export const round = (value: number | undefined, digits = 1): number | undefined =>
  value === undefined || !Number.isFinite(value) ? undefined : Math.round(value * 10 ** digits) / 10 ** digits;

export const ms = (value: number | undefined) => (value === undefined ? "-" : `${round(value, value < 10 ? 1 : 0)} ms`);

export const parsePositive = (value: string | undefined, flag: string, options: { min?: number; max: number; integer?: boolean; fallback: number }): number | string => {
  if (value === undefined) return options.fallback;
  const number = Number(value);
  const min = options.min ?? 0;
  if (value.trim() === "" || !Number.isFinite(number) || number <= min - Number.EPSILON || number > options.max || (options.integer && !Number.isInteger(number)) || number <= 0) {
    return `${flag} must be ${options.integer ? "a whole number" : "a number"} above 0 and at most ${options.max}, got "${value}"`;
  }
  return number;
};
