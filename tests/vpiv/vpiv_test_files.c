#define _POSIX_C_SOURCE 200809L /* dirent, unlink, rmdir */
#include "vpiv_test_files.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void vt_remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[600];

    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}
