// Seed 002, last puzzle: async1/async2 with a promise returned from then.
function log(s) { postMessage(s); }
function async2() {
  log('async2');
  return new Promise(function (resolve) {
    setTimeout(function () { resolve('async2 result'); }, 0);
  });
}
function async1() {
  log('async1 start');
  return new Promise(function (resolve) {
    async2().then(function (v) { log(v); log('async1 end'); resolve(); });
  });
}
log('script start');
setTimeout(function () { log('setTimeout'); }, 0);
async1();
new Promise(function (resolve) { log('promise1'); resolve(); })
  .then(function () {
    log('promise2');
    return new Promise(function (resolve) { resolve(); })
      .then(function () { log('then 1-1'); });
  })
  .then(function () { log('promise3'); });
log('script end');
setTimeout(function () { close(); }, 20);
