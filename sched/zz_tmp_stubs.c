#include <stdlib.h>
#include "calib.h"
int hexo_calib_load(const char *node, struct hexo_calib *out, char *err, size_t errlen){(void)node;(void)out;(void)err;(void)errlen;return 1;}
