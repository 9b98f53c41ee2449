// nested_fail.js: nested workers whose script does not load or parse
// get an error event at their Worker object, after the constructor has
// returned (test_shared.c).
var got = [], made = [];

function seen(what) {
	return function (e) {
		got.push(what + ' ' + e.type + ' ' + (e instanceof ErrorEvent));
		if (got.length === 3) {
			got.sort();
			postMessage(made.concat(got));
			close();
		}
	};
}
var a = new Worker('data:,var = ;');
a.onerror = seen('parse');
var b = new Worker('no/such/script.js');
b.onerror = seen('missing');
b.postMessage('goes nowhere');
var c = new Worker('blob:' + origin + '/revoked');
c.addEventListener('error', seen('blob'));
made.push('constructed');
