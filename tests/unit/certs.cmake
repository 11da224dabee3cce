# (issue 4) registered by the area's owner
