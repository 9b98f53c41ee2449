// worker_options.js: new Worker's WorkerOptions as WebIDL converts them:
// not an object is a TypeError, credentials and type are enums, a
// module worker is refused; the URL is converted first, then the
// members once each, in order (credentials, name, type).
var r = [], seen = [];

function t(o) {
	try {
		new Worker('data:,close()', o);
		r.push('ok');
	} catch (e) {
		r.push(e.name);
	}
}
t('foo');
t(5);
t({ credentials: 'bogus' });
t({ type: 'nope' });
t({ type: 'module' });
t({ credentials: 'include', name: 'n', type: 'classic' });
t(null);
t(undefined);
var o = {};
['type', 'name', 'credentials'].forEach(function (k) {
	Object.defineProperty(o, k, { get: function () {
		seen.push(k);
		return undefined;
	} });
});
new Worker({ toString: function () {
	seen.push('url');
	return 'data:,close()';
} }, o);
postMessage([r, seen]);
close();
