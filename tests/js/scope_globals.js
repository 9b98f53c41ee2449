// scope_globals.js: the attributes of the globals each worker gets at
// INIT, in a dedicated worker (test_loop.c) and a shared one
// (test_shared.c): the template defines them before the fork and each
// worker fills them in (scope.c).
function shape(n) {
	var d = Object.getOwnPropertyDescriptor(self, n);

	if (d === undefined)
		return n + ' none';
	return n + ' ' + (d.writable ? 'w' : '-') + (d.enumerable ? 'e' : '-') +
	    (d.configurable ? 'c' : '-') + ' ' + typeof d.value;
}
var report = ['name', 'origin', 'location', 'postMessage'].map(shape);
location = 1;
origin = 2;
name = name + '!';
report.push(typeof location, typeof origin, name);
if ('onconnect' in self) {
	onconnect = function (e) {
		e.ports[0].postMessage(report.join(', '));
	};
} else {
	postMessage(report.join(', '));
	close();
}
