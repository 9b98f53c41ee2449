/*
 * mem.c: what processes map, read from /proc, for wwd-bench's memory
 * rows. A worker's own number is its Pss. The whole service's is what
 * wwd and all its descendants map with every page counted once, as RSS
 * counts one process: anonymous pages by their Pss (only these
 * processes share them: the template's and its workers'), pages of
 * files (programs, libraries) as the union of the pages any of them has
 * mapped. A sum of Pss would also count, for each page of libc, a share
 * taken from every other process that maps it, the benchmark's own.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define MEM_PRESENT	(1ULL << 63)	/* pagemap: the page is mapped */
#define MEM_FILE	(1ULL << 61)	/* a page of a file, not a copy */
#define MEM_BATCH	512		/* pagemap entries per read */

/* One file the processes map: which of its pages (a bit each). */
struct mem_file {
	unsigned long	 dev, ino;
	uint8_t		*bit;		/* owned */
	size_t		 nbit;		/* bits in bit[] */
};

/* A walk of one tree: the files seen (owned) and the sums so far. */
struct mem_walk {
	struct mem_file	*file;
	size_t		 nfile;
	long		 anon_kib;	/* summed Pss_Anon */
	long		 pages;		/* file pages mapped, once */
};

/* One field ("Pss:", "Pss_Anon:") of pid's smaps_rollup in KiB, or -1. */
static long
rollup_kib(int pid, const char *field)
{
	char	 path[64], line[256];
	size_t	 n = strlen(field);
	FILE	*f;
	long	 kib = -1;

	snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, n) == 0) {
			kib = strtol(line + n, NULL, 10);
			break;
		}
	fclose(f);
	return kib;
}

/* The Pss of one process in KiB, or -1. */
long
mem_pss_kib(int pid)
{
	return rollup_kib(pid, "Pss:");
}

/* The resident memory of one process in KiB, or -1. */
long
mem_rss_kib(int pid)
{
	return rollup_kib(pid, "Rss:");
}

/* Mark page idx of the file (dev, ino) as mapped: 0 or -ENOMEM. */
static int
mark(struct mem_walk *mw, unsigned long dev, unsigned long ino,
    size_t idx)
{
	struct mem_file	*mf = NULL, *grown;
	uint8_t		*bit;
	size_t		 i, n;

	for (i = 0; i < mw->nfile && mf == NULL; i++)
		if (mw->file[i].dev == dev && mw->file[i].ino == ino)
			mf = &mw->file[i];
	if (mf == NULL) {
		n = mw->nfile + 1;
		if ((grown = realloc(mw->file, n * sizeof *grown)) == NULL)
			return -ENOMEM;
		mw->file = grown;
		mf = &mw->file[mw->nfile++];
		*mf = (struct mem_file){ .dev = dev, .ino = ino };
	}
	if (idx >= mf->nbit) {
		n = (idx / 8 + 1) * 2;
		if ((bit = realloc(mf->bit, n)) == NULL)
			return -ENOMEM;
		memset(bit + mf->nbit / 8, 0, n - mf->nbit / 8);
		mf->bit = bit;
		mf->nbit = n * 8;
	}
	if (!(mf->bit[idx / 8] & (1u << idx % 8))) {
		mf->bit[idx / 8] |= (uint8_t)(1u << idx % 8);
		mw->pages++;
	}
	return 0;
}

/*
 * Add the file pages pid has mapped (its maps, with pagemap saying which
 * pages are present and still the file's own) to mw: 0 or -errno.
 */
static int
add_files(struct mem_walk *mw, int pid, size_t pagesz)
{
	char		 path[64], line[512];
	uint64_t	 ent[MEM_BATCH];
	unsigned long	 start, end, off, dev_hi, dev_lo, ino;
	size_t		 page, n, i;
	ssize_t		 got;
	FILE		*maps;
	int		 fd, rc = 0;

	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	if ((maps = fopen(path, "r")) == NULL)
		return -errno;
	snprintf(path, sizeof path, "/proc/%d/pagemap", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = -errno;
		goto out;
	}
	while (rc == 0 && fgets(line, sizeof line, maps) != NULL) {
		if (sscanf(line, "%lx-%lx %*s %lx %lx:%lx %lu", &start, &end,
		    &off, &dev_hi, &dev_lo, &ino) != 6 || ino == 0)
			continue;	/* anonymous: counted by Pss_Anon */
		for (page = start / pagesz; rc == 0 && page < end / pagesz;
		    page += n) {
			n = end / pagesz - page < MEM_BATCH ?
			    end / pagesz - page : MEM_BATCH;
			got = pread(fd, ent, n * sizeof *ent,
			    (off_t)(page * sizeof *ent));
			if (got < (ssize_t)(n * sizeof *ent)) {
				rc = got < 0 ? -errno : -EIO;
				break;
			}
			for (i = 0; rc == 0 && i < n; i++)
				if ((ent[i] & MEM_PRESENT) &&
				    (ent[i] & MEM_FILE))
					rc = mark(mw, dev_hi << 20 | dev_lo,
					    ino, off / pagesz +
					    (page - start / pagesz) + i);
		}
	}
	close(fd);
out:
	fclose(maps);
	return rc;
}

/* Add pid and all its descendants to mw: 0 or -errno. */
static int
walk(struct mem_walk *mw, int pid, size_t pagesz)
{
	char		 path[64];
	struct dirent	*e;
	DIR		*d;
	FILE		*f;
	long		 anon;
	int		 child, rc;

	if ((anon = rollup_kib(pid, "Pss_Anon:")) < 0)
		return -ESRCH;
	mw->anon_kib += anon;
	if ((rc = add_files(mw, pid, pagesz)) < 0)
		return rc;
	snprintf(path, sizeof path, "/proc/%d/task", pid);
	if ((d = opendir(path)) == NULL)
		return -ESRCH;
	/*
	 * Each task's children file lists the processes it forked, or that
	 * were forked with CLONE_PARENT on its behalf (wwd's workers).
	 */
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/%d/task/%.11s/children", pid,
		    e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;	/* the thread ended */
		while (rc == 0 && fscanf(f, "%d", &child) == 1)
			rc = walk(mw, child, pagesz);
		fclose(f);
	}
	closedir(d);
	return rc;
}

/*
 * What pid and all its descendants map, in KiB, each page counted once
 * (see the top of this file); -errno if it could not be read.
 */
long
mem_tree_kib(int pid)
{
	struct mem_walk	 mw = { 0 };
	size_t		 pagesz = (size_t)sysconf(_SC_PAGESIZE), i;
	int		 rc;

	rc = walk(&mw, pid, pagesz);
	for (i = 0; i < mw.nfile; i++)
		free(mw.file[i].bit);
	free(mw.file);
	return rc < 0 ? rc : mw.anon_kib + mw.pages * (long)(pagesz / 1024);
}
