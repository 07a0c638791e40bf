/* A shared object without vkg_plugin_entry: "not a vkgen plugin". */
__attribute__((visibility("default"))) int vkg_test_not_a_plugin(void);
__attribute__((visibility("default"))) int vkg_test_not_a_plugin(void) { return 42; }
