/* placeholder replaced by the CLI implementation */
#include "wass.h"
#include <stdio.h>
int main(void) { printf("wass %s\n", WASS_VERSION_STRING); return 0; }
