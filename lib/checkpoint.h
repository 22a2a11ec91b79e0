/* SPDX-License-Identifier: MIT */
/*
 * hexo checkpoint files (docs/checkpoint-format.md): one job stopped at a
 * migration point, ISA-neutral. Written by the monitor (HEXO_HC_CHECKPOINT),
 * read by `hexo resume`, `hexo inspect` and hexod.
 *
 *   struct hexo_ckpt_header                 fixed, header_checksum
 *   struct hexo_ckpt_section[n_sections]    \
 *   struct hexo_ckpt_file[n_files]           } tables_checksum
 *   strings                                 /
 *   section bytes, each at a file offset congruent to its guest address
 *   modulo 4096, so whole pages can be mmap()ed into guest memory
 *
 * Little-endian, every field fixed-width. Memory regions are stored as a
 * sparse list: a region (the app's data, the heap, ...) is tiled, in address
 * order, by sections of its type; all-zero pages become ZERO sections that
 * take no file bytes. Each section with bytes has its own XXH3-64.
 *
 * Functions that can fail return 0 or -errno and write one line naming the
 * file and what is wrong into err (no trailing newline, no "hexo: ").
 */
#ifndef HEXO_LIB_CHECKPOINT_H
#define HEXO_LIB_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEXO_CKPT_MAGIC        "HEXOCKP\x1a"
#define HEXO_CKPT_VERSION      1u
#define HEXO_CKPT_PAGE         4096u
#define HEXO_CKPT_MAX_SECTIONS (1u << 20)
#define HEXO_CKPT_MAX_FILES    256u

/* Section types, in the order their regions lie in guest memory. */
enum hexo_ckpt_type {
	HEXO_CKPT_ARGS = 1,   /* the argv/envp block */
	HEXO_CKPT_DATA = 2,   /* the app's .data + .bss */
	HEXO_CKPT_SHADOW = 3, /* the used shadow stack with the frame records */
	HEXO_CKPT_HEAP = 4,   /* the heap up to the break */
	HEXO_CKPT_NTYPES = 5
};

#define HEXO_CKPT_SEC_ZERO 0x1u /* section flag: all zero, no file bytes */

#define HEXO_CKPT_FILE_NOSEEK 0x1u /* file state: not seekable, no offset */

/* A string in the string table: `len` bytes at `off`, then a NUL. */
struct hexo_ckpt_str {
	uint32_t off;
	uint32_t len;
};

/* The job's kernel state at the checkpoint (abi.h, struct hexo_hc_checkpoint). */
struct hexo_ckpt_kernel {
	uint64_t args_start, args_end; /* [start, end) of each region */
	uint64_t data_start, data_end;
	uint64_t shadow_lo, shadow_hi;
	uint64_t heap_start, brk;
	uint64_t watermark;  /* shadow stack pointer when unwinding began */
	uint64_t records;    /* the record stack pointer (= shadow_lo) */
	uint64_t mono_ns;    /* the job's CLOCK_MONOTONIC */
	uint32_t depth;      /* frame records */
	uint32_t std_closed; /* bit n: the job had closed its fd n (0..2) */
	uint64_t argc;       /* boot_info argc, argv, envp (in the ARGS region) */
	uint64_t argv;
	uint64_t envp;
	uint64_t points;     /* boot_info.points: migration points passed so far
	                        (0 in checkpoints of hexo before it counted) */
};

struct hexo_ckpt_header {
	char magic[8];            /* HEXO_CKPT_MAGIC */
	uint32_t version;         /* HEXO_CKPT_VERSION */
	uint32_t header_size;     /* sizeof(struct hexo_ckpt_header) */
	uint64_t header_checksum; /* XXH3-64 of the header, this field read as 0 */
	uint64_t file_size;       /* whole file */
	uint64_t meta_size;       /* header + tables + strings */
	uint64_t tables_checksum; /* XXH3-64 of [header_size, meta_size) */
	uint8_t build_id[16];     /* the image's (image.h) */
	uint32_t source_isa;      /* enum hexo_isa that wrote it */
	uint32_t flags;           /* 0 */
	uint64_t sections_offset;
	uint64_t files_offset;
	uint64_t strings_offset;
	uint64_t strings_size;
	uint32_t n_sections;
	uint32_t n_files;
	/* The job. */
	struct hexo_ckpt_str image_path; /* absolute, as on the writing host */
	struct hexo_ckpt_str image_name; /* its file name */
	struct hexo_ckpt_str argv0;      /* the job's argv[0] */
	uint64_t mem_size;               /* guest memory it ran with */
	int64_t time_ns;                 /* CLOCK_REALTIME of the checkpoint */
	uint64_t restore_count;          /* restores before this checkpoint */
	struct hexo_ckpt_kernel kernel;
	uint64_t reserved[4];
};

struct hexo_ckpt_section {
	uint32_t type;     /* enum hexo_ckpt_type */
	uint32_t flags;    /* HEXO_CKPT_SEC_ZERO */
	uint64_t gpa;      /* guest address */
	uint64_t size;     /* bytes, > 0 */
	uint64_t offset;   /* in the file; 0 for a ZERO section */
	uint64_t checksum; /* XXH3-64 of the bytes; 0 for a ZERO section */
	uint64_t reserved;
};

struct hexo_ckpt_file {
	int32_t fd;                /* guest fd */
	uint32_t flags;            /* HEXO_O_* it was opened with */
	uint64_t offset;           /* file offset at the checkpoint */
	struct hexo_ckpt_str path; /* relative to the job directory */
	uint32_t state;            /* HEXO_CKPT_FILE_* */
	uint32_t reserved;
};

_Static_assert(sizeof(struct hexo_ckpt_kernel) == 128, "checkpoint kernel state");
_Static_assert(sizeof(struct hexo_ckpt_header) == 320, "checkpoint header");
_Static_assert(sizeof(struct hexo_ckpt_section) == 48, "checkpoint section");
_Static_assert(sizeof(struct hexo_ckpt_file) == 32, "checkpoint file");

/* ---- writing ---- */

/* A memory region to save: `size` bytes at guest address gpa, host copy at host. */
struct hexo_ckpt_region {
	uint32_t type;
	uint64_t gpa;
	uint64_t size;
	const void *host;
};

/* An open file to save. */
struct hexo_ckpt_open_file {
	int32_t fd;
	uint32_t flags;
	uint64_t offset;
	uint32_t state;
	const char *path;
};

struct hexo_ckpt_desc {
	uint8_t build_id[16];
	uint32_t source_isa;
	const char *image_path;
	const char *image_name;
	const char *argv0;
	uint64_t mem_size;
	int64_t time_ns;
	uint64_t restore_count;
	struct hexo_ckpt_kernel kernel;         /* the region bounds must match `regions` */
	const struct hexo_ckpt_region *regions; /* one per type at most, any order */
	size_t n_regions;
	const struct hexo_ckpt_open_file *files;
	size_t n_files;
};

struct hexo_ckpt_wstats {
	uint64_t file_bytes;   /* the file's size */
	uint64_t memory_bytes; /* bytes of the regions */
	uint64_t zero_bytes;   /* ... of which all-zero pages, not written */
	uint32_t n_sections;
	uint64_t scan_ns;  /* zero scan + checksums */
	uint64_t write_ns; /* pwritev */
	uint64_t sync_ns;  /* fsync + rename + directory fsync */
};

/*
 * Writes a checkpoint to path: a temporary file in the same folder, fsync,
 * rename over path, fsync of the folder. An existing checkpoint at path is
 * replaced whole or not at all. stats may be NULL.
 */
int hexo_ckpt_write(const char *path, const struct hexo_ckpt_desc *d,
                    struct hexo_ckpt_wstats *stats, char *err, size_t errlen);

/* ---- reading ---- */

struct hexo_ckpt {
	const uint8_t *data; /* whole file, read-only mapping (or the caller's buffer) */
	size_t size;
	int fd;           /* -1 for hexo_ckpt_parse() */
	const char *name; /* the path given, for messages */
	const struct hexo_ckpt_header *hdr;
	const struct hexo_ckpt_section *sections;
	const struct hexo_ckpt_file *files;
	const char *strings;
	bool data_checked; /* every section checksum verified */
};

/* hexo_ckpt_open()/_parse() flag: verify all but the section checksums
 * (hexo inspect reports those itself with hexo_ckpt_section_ok()). */
#define HEXO_CKPT_NO_DATA_CHECK 0x1u

/*
 * Maps and verifies the whole file: magic, version, header checksum,
 * sizes, tables checksum, every table entry and string, the regions' tiling,
 * then every section's checksum. On failure *ck is not touched.
 */
int hexo_ckpt_open(const char *path, unsigned flags, struct hexo_ckpt *ck, char *err,
                   size_t errlen);

/* The same checks on a checkpoint in memory (data stays the caller's). */
int hexo_ckpt_parse(const void *data, size_t size, const char *name, unsigned flags,
                    struct hexo_ckpt *ck, char *err, size_t errlen);

void hexo_ckpt_close(struct hexo_ckpt *ck);

/* True when the file starts with the checkpoint magic. */
bool hexo_ckpt_is_checkpoint(const void *data, size_t size);

/* A string of the table (verified NUL-terminated). */
const char *hexo_ckpt_string(const struct hexo_ckpt *ck, struct hexo_ckpt_str s);

/* Whether section i's bytes match its checksum (ZERO sections: true). */
bool hexo_ckpt_section_ok(const struct hexo_ckpt *ck, size_t i);

/* "heap", "data", "shadow stack", "args", or "?". */
const char *hexo_ckpt_type_name(uint32_t type);

/* "section 3 (heap 0x2000000-0x2400000)": for messages. */
void hexo_ckpt_section_desc(const struct hexo_ckpt_section *s, size_t i, char *buf, size_t len);

/*
 * Refuses a checkpoint taken from another image: 0, or -EINVAL with both
 * build ids (and image_name, the image tried) in err.
 */
int hexo_ckpt_check_build_id(const struct hexo_ckpt *ck, const uint8_t build_id[16],
                             const char *image_name, char *err, size_t errlen);

/*
 * Opens the image a checkpoint resumes with: `override` when given, else the
 * absolute path stored in the checkpoint, else its file name next to
 * ckpt_path (the checkpoint's own path); the first one whose build id is the
 * checkpoint's. Its path goes to path (len bytes). Returns 0, or -errno
 * with err saying what is wrong with the first candidate that exists (or
 * naming every place tried when none does).
 */
struct hexo_image;
int hexo_ckpt_find_image(const struct hexo_ckpt *ck, const char *ckpt_path, const char *override,
                         struct hexo_image *img, char *path, size_t len, char *err, size_t errlen);

/*
 * Puts section i's bytes at dst, the host address of its guest address:
 * whole pages of at least HEXO_CKPT_MMAP_MIN bytes are mapped from the file
 * (MAP_PRIVATE | MAP_FIXED) when `map` is set and the checkpoint came from
 * hexo_ckpt_open(); the rest is copied (ZERO sections: cleared). Returns the
 * bytes mapped (>= 0) or -errno.
 */
#define HEXO_CKPT_MMAP_MIN (64u * 1024)
int64_t hexo_ckpt_load_section(const struct hexo_ckpt *ck, size_t i, void *dst, bool map, char *err,
                               size_t errlen);

#endif
