// Engine fix: deleting a property keeps every other property as it was
// (fixes_delete.c). mujs 1.3.2 moved the next name into the deleted
// node but left that node's getter and setter behind.
function accessor(o, n) {
	Object.defineProperty(o, n, { configurable: true, enumerable: true,
	    get: function () { return 'get ' + n; }, set: function (v) {} });
}
function check(o) {
	var bad = [], k, d;
	for (k in o) {
		d = Object.getOwnPropertyDescriptor(o, k);
		if (k.charAt(0) === 'g' ? !d.get || o[k] !== 'get ' + k :
		    !('value' in d) || d.get !== undefined)
			bad.push(k);
	}
	return bad;
}
var o = {}, n = [], i, bad = [];
for (i = 10; i < 74; i++) {
	o['d' + i] = i;
	accessor(o, 'g' + i);
	n.push('d' + i);
}
for (i = 0; i < n.length; i++) {
	delete o[n[i]];
	bad = bad.concat(check(o));
}
postMessage(['accessors after deletes', bad.length, Object.keys(o).length]);
var p = {};
for (i = 10; i < 74; i++) { accessor(p, 'g' + i); p['h' + i] = i; }
for (i = 10; i < 74; i += 2) delete p['g' + i];
postMessage(['accessors deleted', check(p).length, Object.keys(p).length]);
close();
