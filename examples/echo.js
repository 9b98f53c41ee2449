/*
 * echo.js: a worker that answers every message with {echo: data} and
 * closes itself when it receives "bye". ES5, as mujs runs it. Used by
 * examples/echo-client.c and `make demo`; try it with
 *   echo '"hi"' | wwctl run --count 1 examples/echo.js
 */
console.log("echo worker started" + (self.name ? " as " + self.name : ""));

self.onmessage = function (e) {
	if (e.data === "bye") {
		postMessage({ echo: e.data, closing: true });
		close();
		return;
	}
	postMessage({ echo: e.data });
};
