// Keeps the first port its owner sends; then forwards what the owner
// posts over that port, and reports what arrives on it to the owner.
var port = null;
onmessage = function (e) {
	if (e.ports.length > 0) {
		port = e.ports[0];
		port.onmessage = function (m) { postMessage(m.data); };
		return;
	}
	port.postMessage(e.data);
};
