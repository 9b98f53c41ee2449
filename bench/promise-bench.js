// promise-bench.js: 1e6 chained then-callbacks, then 1e5 timers; posts
// the milliseconds of each part. Runs in wwd and (with the shim) node.
var N = 1000000, T = 100000;
var t0 = Date.now(), p = Promise.resolve(0), i;
for (i = 0; i < N; i++) p = p.then(function (v) { return v + 1; });
p.then(function (v) {
  var chain = Date.now() - t0, left = T, t1 = Date.now();
  for (var j = 0; j < T; j++)
    setTimeout(function () {
      if (--left === 0) {
        postMessage({ chain: chain, timers: Date.now() - t1, v: v });
        close();
      }
    }, 0);
});
