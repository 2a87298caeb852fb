const s = performance.now();
for (const m of process.argv.slice(2)) require(m);
const t = performance.now() - s;
const ours = Object.keys(require.cache).filter(k => k.includes('/packages/runtime/dist/')).map(k => k.replace(/.*dist\//, ''));
console.log(t.toFixed(1), Object.keys(require.cache).length, ours.length, ours.filter(x=>x.startsWith('gen')).join(' '));
