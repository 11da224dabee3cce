/* placeholder: being written (issue 5) */
typedef int ch_placeholder_deflate;
