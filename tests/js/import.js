// import.js: importScripts with a relative file: URL, data: URLs, two
// scripts in one call (run in order) and a missing one (throws at the
// call, catchable). Posts what it saw, then closes.
var result = {};
importScripts("lib/imported.js");
result.file = imported;
importScripts("data:text/javascript,var fromData=42;");
result.data = fromData;
importScripts("data:text/javascript,var fromData2%20%3D%20%22ok%22%3B");
result.data2 = fromData2;
importScripts("lib/imp_a.js", "lib/imp_b.js");
result.order = order.join(",");
try {
	importScripts("lib/no-such-file.js");
	result.missing = "no exception";
} catch (e) {
	result.missing = e.name;
}
postMessage(result);
self.close();
