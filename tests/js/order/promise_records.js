// Promise's own records ignore what a script puts on Object.prototype
// (reaction handlers f and r, [[AlreadyResolved]] done, the promise p).
Object.prototype.f = function () { return 'hijacked'; };
Object.prototype.r = function () { return 'hijacked r'; };
Object.prototype.done = true;
Object.prototype.p = 5;
var out = [];
Promise.resolve(1).then().then(function (v) { out.push(v); });
Promise.reject(2).then().catch(function (v) { out.push(v); });
new Promise(function (r) { r('ok'); }).then(function (v) { out.push(v); });
Promise.all([1, Promise.resolve(2)]).then(function (v) {
	out.push(v.join());
});
Promise.allSettled([1]).then(function (v) { out.push(v[0].status); });
Promise.any([Promise.reject(3), 4]).then(function (v) { out.push(v); });
setTimeout(function () {
	postMessage(out);
	close();
}, 0);
