// echo.js: posts every message back; the message "close" makes it close.
self.onmessage = function (e) {
	if (e.data === "close") {
		self.close();
		return;
	}
	self.postMessage(e.data);
};
