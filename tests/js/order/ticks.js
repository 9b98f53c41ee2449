// Job counts: a promise resolved with a promise takes two extra ticks;
// then-returning-a-promise likewise; await-like adoption of thenables.
function log(s) { postMessage(s); }
var a = Promise.resolve();
new Promise(function (r) { r(a); }).then(function () { log('adopted'); });
a.then(function () { log('t1'); }).then(function () { log('t2'); })
  .then(function () { log('t3'); }).then(function () { log('t4'); });
Promise.resolve().then(function () { return Promise.resolve('x'); })
  .then(function (v) { log('returned ' + v); });
Promise.resolve({ then: function (f) { log('then called'); f('th'); } })
  .then(function (v) { log('thenable ' + v); });
var p = Promise.resolve(7);
log(Promise.resolve(p) === p);
Promise.reject(new Error('e1')).catch(function (e) { log('caught ' + e.message); })
  .finally(function () { log('finally'); });
Promise.all([1, Promise.resolve(2), { then: function (f) { f(3); } }])
  .then(function (v) { log('all ' + v.join()); });
Promise.race([new Promise(function () {}), Promise.resolve('r')])
  .then(function (v) { log('race ' + v); });
Promise.any([Promise.reject(1), Promise.reject(2)]).catch(function (e) {
  log('any ' + (e instanceof AggregateError) + ' ' + e.errors.join()); });
Promise.allSettled([Promise.resolve(1), Promise.reject(2)]).then(function (v) {
  log('settled ' + v[0].status + v[0].value + v[1].status + v[1].reason); });
var q = new Promise(function (r) { setTimeout(function () { r(q); }, 0); });
q.catch(function (e) { log('self ' + (e instanceof TypeError)); });
new Promise(function () { throw new Error('exec'); })
  .catch(function (e) { log('executor ' + e.message); });
setTimeout(function () { close(); }, 20);
