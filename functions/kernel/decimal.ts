/**
 * Exact money arithmetic on decimal strings ("19.99"), never floats: amounts become bigint
 * multiples of 10^-scale, are added or subtracted, and are printed back with the scale.
 */

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

export const isDecimalString = (value: string): boolean => {
  const match = DECIMAL.exec(value.trim());
  return match !== null && ((match[2] ?? "") !== "" || (match[3] ?? "") !== "");
};

/** A decimal string as an integer count of 10^-scale units (extra digits beyond `scale` must be zeros). */
export const toUnits = (value: string, scale = 2): bigint => {
  // Fast path for the usual shape ("19.99", "5", "-0.50"): no regular expression.
  const fast = fastUnits(value, scale);
  if (fast !== undefined) return fast;
  const match = DECIMAL.exec(value.trim());
  if (!match || ((match[2] ?? "") === "" && (match[3] ?? "") === "")) throw new RangeError(`not a decimal amount: "${value}"`);
  const [, sign, whole = "", fraction = ""] = match;
  const kept = fraction.slice(0, scale).padEnd(scale, "0");
  if (/[1-9]/.test(fraction.slice(scale))) throw new RangeError(`"${value}" has more than ${scale} decimal places`);
  const units = BigInt(`${whole === "" ? "0" : whole}${kept}`);
  return sign === "-" ? -units : units;
};

/** Units as a JS number when the amount is in the usual shape and small enough to be exact. */
const fastNumberUnits = (value: string, scale: number): number | undefined => {
  const length = value.length;
  if (length === 0 || length > 15) return undefined;
  let index = value.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  const negative = index === 1;
  let units = 0;
  let digits = 0;
  let fraction = -1;
  for (; index < length; index += 1) {
    const code = value.charCodeAt(index);
    if (code === 46 /* . */) {
      if (fraction >= 0) return undefined;
      fraction = 0;
      continue;
    }
    if (code < 48 || code > 57) return undefined;
    if (fraction >= 0) {
      if (fraction === scale) return undefined;
      fraction += 1;
    }
    units = units * 10 + (code - 48);
    digits += 1;
  }
  if (digits === 0) return undefined;
  for (let pad = Math.max(fraction, 0); pad < scale; pad += 1) units *= 10;
  if (!Number.isSafeInteger(units)) return undefined;
  return negative ? -units : units;
};

const fastUnits = (value: string, scale: number): bigint | undefined => {
  const units = fastNumberUnits(value, scale);
  return units === undefined ? undefined : BigInt(units);
};

/** Prints safe-integer units with the scale (the common case, without BigInt). */
const formatNumberUnits = (units: number, scale: number): string => {
  const digits = Math.abs(units)
    .toString()
    .padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  return `${units < 0 ? "-" : ""}${whole}${scale > 0 ? `.${digits.slice(digits.length - scale)}` : ""}`;
};

/** Sums amounts at `scale` with numbers when every step stays exact, else with bigints. */
const sumAt = (values: ReadonlyArray<string>, signs: ReadonlyArray<number>, scale: number): string => {
  let sum = 0;
  for (let index = 0; index < values.length; index += 1) {
    const units = fastNumberUnits(values[index]!, scale);
    if (units === undefined) return sumBig(values, signs, scale);
    sum += signs[index]! * units;
    if (!Number.isSafeInteger(sum)) return sumBig(values, signs, scale);
  }
  return formatNumberUnits(sum, scale);
};

const sumBig = (values: ReadonlyArray<string>, signs: ReadonlyArray<number>, scale: number): string =>
  fromUnits(
    values.reduce((sum, value, index) => sum + BigInt(signs[index]!) * toUnits(value, scale), 0n),
    scale,
  );

export const fromUnits = (units: bigint, scale = 2): string => {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? "-" : ""}${whole}${scale > 0 ? `.${fraction}` : ""}`;
};

/** The scale needed to hold every amount exactly (at least 2). */
const scaleOf = (values: ReadonlyArray<string>): number => {
  let scale = 2;
  for (const value of values) {
    const dot = value.indexOf(".");
    if (dot < 0) continue;
    let end = value.trimEnd().length;
    while (end > dot + 1 && value.charCodeAt(end - 1) === 48 /* 0 */) end -= 1;
    if (end - dot - 1 > scale) scale = end - dot - 1;
  }
  return scale;
};

export const addDecimals = (...values: ReadonlyArray<string>): string =>
  sumAt(
    values,
    values.map(() => 1),
    scaleOf(values),
  );

export const subtractDecimal = (from: string, amount: string): string => sumAt([from, amount], [1, -1], scaleOf([from, amount]));

/** `price * quantity` exactly (quantity is a whole number). */
export const multiplyDecimal = (price: string, quantity: number | bigint): string => {
  const scale = scaleOf([price]);
  const units = typeof quantity === "number" ? fastNumberUnits(price, scale) : undefined;
  if (units !== undefined && Number.isSafeInteger(units * (quantity as number))) return formatNumberUnits(units * (quantity as number), scale);
  return fromUnits(toUnits(price, scale) * BigInt(quantity), scale);
};

/** Normalises an amount to its canonical form with at least two decimals ("5" -> "5.00"). */
export const normalizeDecimal = (value: string): string => sumAt([value], [1], scaleOf([value]));

export const compareDecimals = (a: string, b: string): number => {
  const scale = scaleOf([a, b]);
  const difference = toUnits(a, scale) - toUnits(b, scale);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
};
