// Seed 002, third puzzle: nested promises and a timer.
function log(s) { postMessage(s); }
new Promise(function (resolve) { log(1); resolve(); })
  .then(function () {
    log(2);
    new Promise(function (resolve) {
      log(3);
      setTimeout(function () { resolve(); }, 0);
    }).then(function () {
      log(4);
      new Promise(function (resolve) { log(5); resolve(); })
        .then(function () { log(7); })
        .then(function () { log(9); });
    }).then(function () { log(8); });
  })
  .then(function () { log(6); });
setTimeout(function () { close(); }, 20);
