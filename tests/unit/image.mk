# Unit tests for lib/image_file.c (cmocka). Included by tests/tests.mk;
# `make test` runs everything in $(UNIT_TESTS).

TEST_IMAGE := $(BUILD)/tests/unit/test_image

UNIT_TESTS += $(TEST_IMAGE)

$(OBJ)/tests/unit/test_image.o: tests/unit/test_image.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(TEST_IMAGE): $(OBJ)/tests/unit/test_image.o $(LIBHEXO)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $< $(LIBHEXO) $(LIBHEXO_LDLIBS) -lcmocka
