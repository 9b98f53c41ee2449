// transfer_args.js: the second argument of postMessage (both overloads:
// a sequence, or a StructuredSerializeOptions dictionary, null and
// undefined being an empty one) and of structuredClone (the dictionary
// only), as WebIDL converts them (test_loop.c). Every post sends 1.
var r = [], ch = new MessageChannel();

function t(f) {
	try {
		f();
		r.push('ok');
	} catch (e) {
		r.push(e.name);
	}
}
t(function () { postMessage(1, null); });
t(function () { ch.port1.postMessage(1, null); });
t(function () { postMessage(1, function () {}); });
t(function () { ch.port1.postMessage(1, { transfer: undefined }); });
t(function () { postMessage(1, []); });
t(function () { postMessage(1, 5); });
t(function () { ch.port1.postMessage(1, 'x'); });
t(function () { postMessage(1, { transfer: 5 }); });
t(function () { structuredClone(1, null); });
t(function () { structuredClone(1, { transfer: [] }); });
t(function () { structuredClone(1, [new ArrayBuffer(1)]); });
t(function () { structuredClone(1, 5); });
postMessage(r);
close();
