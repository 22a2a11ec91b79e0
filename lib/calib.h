struct hexo_calib { double geomean; char date[32]; };
int hexo_calib_load(const char *node, struct hexo_calib *out, char *err, size_t errlen);
