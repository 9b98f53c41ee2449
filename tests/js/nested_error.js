// An uncaught error in a nested worker: the Worker object's error event
// first, then (uncancelled there) this scope's, then (uncancelled here
// too, when the first message says so) the owner's error event. A
// Worker object cannot be posted. (A global scope's onerror gets the
// message as its first argument.)
var cancel;
onerror = function (message) {
	postMessage('scope ' + message);
	return cancel;
};
onmessage = function (e) {
	cancel = e.data === 'cancel';
	var w = new Worker('data:,throw new Error("deep")');
	w.onerror = function (ev) { postMessage('worker ' + ev.message); };
	try {
		postMessage(w);
	} catch (x) {
		postMessage(x.name);
	}
};
