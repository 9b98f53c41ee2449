// A shared worker keeping a total; 0 makes it call close().
var total = 0;
onconnect = function (e) {
	var port = e.ports[0];
	port.onmessage = function (ev) {
		if (ev.data === 0) {
			close();
			return;
		}
		total += ev.data;
		port.postMessage(total);
	};
};
