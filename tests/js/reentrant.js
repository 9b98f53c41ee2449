// reentrant.js: frames made while a message is being encoded (a getter
// that posts or logs) arrive whole, before the message being encoded,
// as in browsers (test_loop.c).
var inner = {};
Object.defineProperty(inner, 'x', { enumerable: true, get: function () {
	postMessage('posted by a getter');
	console.log('logged by a getter', { y: 1 });
	return 1;
} });
postMessage({ a: inner, b: 'outer' });
var deep = {};
Object.defineProperty(deep, 'z', { enumerable: true, get: function () {
	postMessage({ nested: inner });
	return 2;
} });
postMessage(['deep', deep]);
var noisy = {}, logged = false;
Object.defineProperty(noisy, 'n', { enumerable: true, get: function () {
	if (!logged)
		console.log('inner log');	/* formatting reads it too */
	logged = true;
	return 3;
} });
console.log('outer log', noisy);
var bad = {};
Object.defineProperty(bad, 'f', { enumerable: true, get: function () {
	postMessage('before the failure');
	return function () {};
} });
try { postMessage(bad); } catch (e) { postMessage(e.name); }
postMessage('end');
close();
