// The delegation example of the HTML spec (section "Delegation"): ten
// subworkers each take a slice of a range; their results are combined.
// Here each subworker sums its slice; the first message says how many
// items each one gets.
var num_workers = 10;
var result = 0;
var pending_workers = num_workers;
function storeResult(event) {
	result += 1 * event.data;
	pending_workers -= 1;
	if (pending_workers <= 0)
		postMessage(result); // finished!
}
onmessage = function (e) {
	var items_per_worker = 1 * e.data, i, worker;
	for (i = 0; i < num_workers; i += 1) {
		worker = new Worker('delegation_core.js');
		worker.postMessage(i * items_per_worker);
		worker.postMessage((i + 1) * items_per_worker);
		worker.onmessage = storeResult;
	}
};
