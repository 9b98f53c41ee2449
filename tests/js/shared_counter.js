// A shared worker that adds what each client sends to one total.
var total = 0;
onconnect = function (e) {
	var port = e.ports[0];
	port.onmessage = function (ev) {
		total += ev.data;
		port.postMessage(total);
	};
};
