// SPDX-License-Identifier: MIT
/* The ISAs hexo runs and their names (isa.h). */
#include <string.h>

#include "isa.h"

const char *hexo_isa_name(uint32_t isa)
{
	switch (isa) {
	case HEXO_ISA_X86_64:
		return "x86_64";
	case HEXO_ISA_AARCH64:
		return "aarch64";
	default:
		return "?";
	}
}

uint32_t hexo_isa_from_name(const char *name)
{
	if (!name)
		return HEXO_ISA_NONE;
	if (!strcmp(name, "x86_64") || !strcmp(name, "x86-64") || !strcmp(name, "amd64"))
		return HEXO_ISA_X86_64;
	if (!strcmp(name, "aarch64") || !strcmp(name, "arm64"))
		return HEXO_ISA_AARCH64;
	return HEXO_ISA_NONE;
}

uint32_t hexo_host_isa(void)
{
#if defined(__x86_64__)
	return HEXO_ISA_X86_64;
#elif defined(__aarch64__)
	return HEXO_ISA_AARCH64;
#else
	return HEXO_ISA_NONE;
#endif
}
