/**
 * Robust statistics for the volume check: a day's count against the trailing days, scored with
 * the modified z-score (Iglewicz and Hoaglin) so one odd day in the history does not hide the
 * next one. When more than half the history is identical the MAD is 0; the mean absolute
 * deviation (scaled to match a normal distribution) takes over, and when every day was equal any
 * change is infinitely surprising.
 */

export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Median absolute deviation from the median. */
export const mad = (values: ReadonlyArray<number>): number => {
  const centre = median(values);
  return median(values.map((value) => Math.abs(value - centre)));
};

const MAD_TO_SIGMA = 0.6745;
const MEAN_AD_TO_SIGMA = 1.253314;

export const robustZScore = (value: number, history: ReadonlyArray<number>): number => {
  const centre = median(history);
  const deviation = mad(history);
  if (deviation > 0) return (MAD_TO_SIGMA * (value - centre)) / deviation;
  const meanAbsoluteDeviation = history.reduce((sum, x) => sum + Math.abs(x - centre), 0) / history.length;
  if (meanAbsoluteDeviation > 0) return (value - centre) / (MEAN_AD_TO_SIGMA * meanAbsoluteDeviation);
  return value === centre ? 0 : value > centre ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
};
