// Seed 002, first puzzle; async functions written as Promise chains.
function log(s) { postMessage(s); }
log('script start');
setTimeout(function () { log('beige'); }, 0);
Promise.resolve().then(function () { log('promise1'); })
  .then(function () { log('promise2'); });
function bar() { log('async2 end'); }
function foo() {   // async function foo() { await bar(); ... }
  return new Promise(function (resolve) {
    Promise.resolve(bar()).then(function () {
      log('async1 end'); resolve(); });
  });
}
foo();
function errorFunc() {  // try { await Promise.reject() } catch ...
  return new Promise(function (resolve) {
    Promise.reject('error!!!').then(null, function (e) {
      log(e);
      log('async1');
      resolve(Promise.resolve('async1 success'));
    });
  });
}
errorFunc().then(function (res) { log(res); });
log('script end');
setTimeout(function () { close(); }, 20);
