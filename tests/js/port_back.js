// Hands every port it is sent straight back to its owner, never
// started: what queued on the port here travels back with it.
onmessage = function (e) {
	if (e.ports.length > 0)
		postMessage(e.data, [e.ports[0]]);
};
