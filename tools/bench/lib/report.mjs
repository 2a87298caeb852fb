// Plain-text tables of the results. Every number printed here is also in the JSON.

/** Left-aligns the first `leftCols` columns, right-aligns the rest (numbers). */
export function table(header, rows, leftCols = 1) {
  const all = [header, ...rows].map((r) =>
    r.map((cell) => (cell === undefined || cell === null ? "—" : String(cell))),
  );
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) =>
    r
      .map((cell, i) => (i < leftCols ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(all[0]), widths.map((w) => "-".repeat(w)).join("  "), ...all.slice(1).map(line)].join("\n");
}

export const fixed = (x, digits) => (Number.isFinite(x) ? x.toFixed(digits) : "—");
export const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "—");
export const count = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "—");

/**
 * A target check: `kind` "min" (ratio must be ≥ goal, e.g. throughput) or "max" (≤ goal, e.g. latency,
 * start-up). `shortfall` says by how much a miss misses: the factor the ratio has to improve by.
 */
export function target(name, value, kind, goal) {
  const pass = kind === "min" ? value >= goal : value <= goal;
  const shortfall = pass ? undefined : kind === "min" ? goal / value : value / goal;
  return { name, value, kind, goal, pass, shortfall };
}

export function targetCell(t) {
  if (!t) return undefined;
  return `${t.kind === "min" ? "≥" : "≤"}${t.goal.toFixed(2)} ${t.pass ? "pass" : "MISS"}`;
}

/** One line per target, with the size of each miss in words. */
export function targetLines(targets) {
  return targets.map((t) => {
    const goal = `${t.kind === "min" ? "≥" : "≤"} ${t.goal.toFixed(2)}×`;
    let verdict = "pass";
    if (!t.pass) {
      verdict =
        t.kind === "min"
          ? `MISS by ${((t.goal - t.value) * 100).toFixed(0)} points: needs ${t.shortfall.toFixed(2)}× its current throughput`
          : `MISS by ${((t.value - t.goal) * 100).toFixed(0)} points: must come down ${((1 - 1 / t.shortfall) * 100).toFixed(0)}%`;
    }
    return `  ${t.name.padEnd(50)} ${ratio(t.value).padStart(7)}  target ${goal.padEnd(8)} ${verdict}`;
  });
}
