/*
 * replay.c: a main() for the fuzz targets where libFuzzer is not linked
 * (the gcc and ASan builds): runs LLVMFuzzerTestOneInput once on every
 * file named, or in a directory named, on the command line. So each CI
 * build replays the seed corpus and every kept finding.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Run the target on one file; counts runs in *n. */
static void
run_file(const char *path, int *n)
{
	FILE	*fp;
	uint8_t	*p;
	long	 len;

	if ((fp = fopen(path, "rb")) == NULL ||
	    fseek(fp, 0, SEEK_END) < 0 || (len = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) < 0) {
		perror(path);
		exit(2);
	}
	/* A copy of exactly len bytes, so ASan sees reads past the end. */
	if ((p = malloc(len > 0 ? (size_t)len : 1)) == NULL ||
	    fread(p, 1, (size_t)len, fp) != (size_t)len) {
		perror(path);
		exit(2);
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(p, (size_t)len);
	free(p);
	(*n)++;
}

static void
run_path(const char *path, int *n)
{
	struct dirent	**ents;
	struct stat	  st;
	char		  sub[4096];
	int		  i, k;

	if (stat(path, &st) < 0) {
		perror(path);
		exit(2);
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(path, n);
		return;
	}
	if ((k = scandir(path, &ents, NULL, alphasort)) < 0) {
		perror(path);
		exit(2);
	}
	for (i = 0; i < k; i++) {
		if (ents[i]->d_name[0] != '.') {
			snprintf(sub, sizeof sub, "%s/%s", path,
			    ents[i]->d_name);
			run_path(sub, n);
		}
		free(ents[i]);
	}
	free(ents);
}

int
main(int argc, char *argv[])
{
	int	i, n = 0;

	for (i = 1; i < argc; i++)
		run_path(argv[i], &n);
	printf("replayed %d inputs\n", n);
	return n > 0 ? 0 : 1;
}
