// Closes each port it is sent after the first message on it, while its
// peer keeps posting; answers "pong" to "ping" on its own port.
onmessage = function (e) {
	if (e.data === 'ping')
		postMessage('pong');
	if (e.ports.length === 0)
		return;
	var port = e.ports[0];
	port.onmessage = function () {
		port.close();
		postMessage('closed');
	};
};
