// The one percentile the benchmarks report: the value at fraction q (0…1) of the sorted
// sample, nearest-rank, so p50 of [1,2,3,4] is 3 and p100 is the maximum.
export function quantile(values, q) {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
