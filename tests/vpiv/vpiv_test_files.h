/* vpiv tests: scratch files and directories. */
#ifndef VPIV_TEST_FILES_H
#define VPIV_TEST_FILES_H

/* Removes a test's scratch directory and the files in it (state files, stray .tmp files). */
void vt_remove_dir(const char *dir);

#endif
