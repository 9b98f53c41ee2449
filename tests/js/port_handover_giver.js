// Hands the port it is sent straight back, never started, and closes.
onmessage = function (e) {
	postMessage('here', [e.ports[0]]);
	close();
};
