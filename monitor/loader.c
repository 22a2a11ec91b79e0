// SPDX-License-Identifier: MIT
/*
 * The guest ELF: its PT_LOAD segments, read with libelf and checked against
 * the file before anything is copied. Where they may go in guest memory is
 * memmap.c's business (layout__compute).
 */
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>

#include "monitor.h"

static unsigned segment_perm(uint32_t p_flags)
{
	return ((p_flags & PF_R) ? MEM_R : 0) | ((p_flags & PF_W) ? MEM_W : 0) |
	       ((p_flags & PF_X) ? MEM_X : 0);
}

static int check_ident(const unsigned char *id, size_t size, char *err, size_t errlen)
{
	if (size < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG)) {
		snprintf(err, errlen, "not an ELF file");
		return -EINVAL;
	}
	/* Both guest ISAs are little-endian 64-bit. Checked before libelf sees
	 * the file: it would convert a foreign byte order in place, and the
	 * image is mapped read-only. */
	if (id[EI_CLASS] != ELFCLASS64 || id[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, errlen, "not a 64-bit little-endian ELF");
		return -EINVAL;
	}
	return 0;
}

/* One PT_LOAD header into segs[*n], checked against the file. */
static int add_segment(const GElf_Phdr *ph, size_t size, struct guest_segment *segs, size_t *n,
                       char *err, size_t errlen)
{
	if (ph->p_filesz > ph->p_memsz || ph->p_offset > size ||
	    ph->p_filesz > size - ph->p_offset) {
		snprintf(err, errlen,
		         "segment at 0x%" PRIx64 ": file range 0x%" PRIx64 "+0x%" PRIx64
		         " outside the ELF (%zu bytes) or larger than its memory size",
		         (uint64_t)ph->p_vaddr, (uint64_t)ph->p_offset, (uint64_t)ph->p_filesz,
		         size);
		return -EINVAL;
	}
	if (ph->p_memsz == 0)
		return 0;
	if (*n == MEMMAP_MAX_SEGMENTS) {
		snprintf(err, errlen, "more than %d loadable segments", MEMMAP_MAX_SEGMENTS);
		return -E2BIG;
	}
	segs[(*n)++] = (struct guest_segment){
	    .gpa = ph->p_vaddr,
	    .memsz = ph->p_memsz,
	    .filesz = ph->p_filesz,
	    .offset = ph->p_offset,
	    .perm = segment_perm(ph->p_flags),
	};
	return 0;
}

static bool entry_executable(uint64_t entry, const struct guest_segment *segs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((segs[i].perm & MEM_X) && entry >= segs[i].gpa &&
		    entry - segs[i].gpa < segs[i].memsz)
			return true;
	return false;
}

int loader__segments(const void *elf_data, size_t size, unsigned machine, uint64_t *entry,
                     struct guest_segment *segs, size_t *n, char *err, size_t errlen)
{
	GElf_Ehdr eh;
	GElf_Phdr ph;
	size_t phnum;
	Elf *elf;
	int ret;

	*n = 0;
	ret = check_ident(elf_data, size, err, errlen);
	if (ret)
		return ret;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		snprintf(err, errlen, "libelf: %s", elf_errmsg(-1));
		return -EINVAL;
	}
	elf = elf_memory((char *)(uintptr_t)elf_data, size);
	if (!elf || !gelf_getehdr(elf, &eh) || elf_getphdrnum(elf, &phnum)) {
		snprintf(err, errlen, "damaged ELF: %s", elf_errmsg(-1));
		ret = -EINVAL;
		goto out_end;
	}
	ret = -EINVAL;
	if (eh.e_machine != machine) {
		snprintf(err, errlen, "ELF for machine %u, expected %u", eh.e_machine, machine);
		goto out_end;
	}
	if (eh.e_type != ET_EXEC) {
		snprintf(err, errlen, "not a static executable (ELF type %u)", eh.e_type);
		goto out_end;
	}
	for (size_t i = 0; i < phnum; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph)) {
			snprintf(err, errlen, "damaged program header %zu: %s", i, elf_errmsg(-1));
			goto out_end;
		}
		if (ph.p_type == PT_INTERP || ph.p_type == PT_DYNAMIC) {
			snprintf(err, errlen, "dynamically linked: not a hexo guest");
			goto out_end;
		}
		if (ph.p_type != PT_LOAD)
			continue;
		ret = add_segment(&ph, size, segs, n, err, errlen);
		if (ret)
			goto out_end;
		ret = -EINVAL;
	}
	if (*n == 0) {
		snprintf(err, errlen, "no loadable segment");
		goto out_end;
	}
	if (!entry_executable(eh.e_entry, segs, *n)) {
		snprintf(err, errlen, "entry point 0x%" PRIx64 " is not in an executable segment",
		         (uint64_t)eh.e_entry);
		goto out_end;
	}
	*entry = eh.e_entry;
	ret = 0;
out_end:
	elf_end(elf);
	return ret;
}

/*
 * Copies each segment's file bytes to its address. Guest memory is fresh
 * anonymous memory, already zero, so the rest of memsz (.bss) is not
 * touched: a large .bss costs nothing until the guest uses it.
 */
int loader__copy(const struct guest_mem *mem, const void *elf, const struct guest_segment *segs,
                 size_t n)
{
	for (size_t i = 0; i < n; i++) {
		void *dst = guest_mem__ptr(mem, segs[i].gpa, segs[i].memsz);

		if (!dst)
			return -EFAULT;
		memcpy(dst, (const uint8_t *)elf + segs[i].offset, segs[i].filesz);
	}
	return 0;
}

/* The section header of the allocated section `name`; false if none. */
static bool find_section(const void *elf_data, size_t size, const char *name, GElf_Shdr *out)
{
	Elf *elf = elf_memory((char *)(uintptr_t)elf_data, size);
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;
	bool found = false;

	if (!elf)
		return false;
	if (elf_getshdrstrndx(elf, &shstrndx) == 0) {
		while (!found && (scn = elf_nextscn(elf, scn))) {
			const char *n;

			if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC))
				continue;
			n = elf_strptr(elf, shstrndx, sh.sh_name);
			if (n && !strcmp(n, name)) {
				*out = sh;
				found = true;
			}
		}
	}
	elf_end(elf);
	return found;
}

/*
 * The address and size of the allocated section `name` (".hexo_shadow_stack"),
 * or 0/0 when the ELF has none. The ELF was checked by loader__segments().
 */
void loader__section(const void *elf_data, size_t size, const char *name, uint64_t *addr,
                     uint64_t *len)
{
	GElf_Shdr sh;

	*addr = *len = 0;
	if (find_section(elf_data, size, name, &sh)) {
		*addr = sh.sh_addr;
		*len = sh.sh_size;
	}
}

/*
 * Copies the file bytes of section `name` (".got") to its address again.
 * For link-time constants that lie inside a restored region: in a static
 * executable the GOT holds this ISA's addresses (of kernel-region symbols,
 * which differ between ISAs), never changed at run time, but it sits in the
 * app's data segment, so a checkpoint from another ISA brings that ISA's.
 */
int loader__reload_section(const struct guest_mem *mem, const void *elf, size_t size,
                           const char *name)
{
	GElf_Shdr sh;
	void *dst;

	if (!find_section(elf, size, name, &sh) || sh.sh_type != SHT_PROGBITS || !sh.sh_size)
		return 0;
	if (sh.sh_offset > size || sh.sh_size > size - sh.sh_offset)
		return -EINVAL;
	dst = guest_mem__ptr(mem, sh.sh_addr, sh.sh_size);
	if (!dst)
		return -EFAULT;
	memcpy(dst, (const uint8_t *)elf + sh.sh_offset, sh.sh_size);
	return 0;
}
