import { countryOf } from './phone.js';

// Where a number's owner most likely is, in time: the zone used for quiet hours when a contact has
// none of their own. A North American number's area code says its region (a number keeps its area
// code when its owner moves, so this is a likelihood, not a fact); elsewhere, a country with one
// zone says it. A country spanning several zones gives no answer, and the caller's default applies.

const nanpZones: Record<string, string> = {};
function zone(name: string, codes: string): void {
  for (const code of codes.split(/\s+/)) if (code) nanpZones[code] = name;
}
zone(
  'America/New_York',
  `203 475 860 959 302 202 239 305 321 352 386 407 561 656 689 727 754 772 786 813 850 863 904 941 954 229 404 470 478 678 706 762
   770 912 943 207 240 301 410 443 667 339 351 413 508 617 774 781 857 978 603 201 551 609 640 732 848 856 862 908 973 212 315 332
   347 363 516 518 585 607 631 646 680 716 718 838 845 914 917 929 934 252 336 472 704 743 828 910 919 980 984 216 220 234 283 326
   330 380 419 436 440 513 567 614 740 937 215 223 267 272 412 445 484 570 582 610 717 724 814 835 878 401 803 839 843 854 864 802
   276 434 540 571 703 757 804 826 948 304 681 423 865 606 859`,
);
zone('America/Detroit', '231 248 269 313 517 586 616 679 734 810 906 947 989');
zone('America/Indiana/Indianapolis', '317 463 260 574 765 930 812');
zone('America/Kentucky/Louisville', '502');
zone(
  'America/Toronto',
  '226 249 289 343 365 382 416 437 519 548 613 647 683 705 742 753 807 905 263 354 367 418 438 450 468 514 579 581 819 873',
);
zone(
  'America/Chicago',
  `205 251 256 334 659 938 479 501 870 217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 872 319 515 563 641 712 316 620
   785 913 225 318 337 504 985 218 320 507 612 651 763 952 228 601 662 769 314 417 557 573 636 660 816 975 308 402 531 701 405 539
   572 580 918 605 615 629 731 901 931 210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 936 940
   945 956 972 979 262 274 353 414 534 608 715 920 270 364`,
);
zone('America/Winnipeg', '204 431 584');
zone('America/Regina', '306 474 639');
zone('America/Denver', '303 719 720 970 983 406 505 575 385 435 801 307 915');
zone('America/Boise', '208 986');
zone('America/Phoenix', '480 520 602 623 928');
zone('America/Edmonton', '368 403 587 780 825');
zone(
  'America/Los_Angeles',
  `209 213 279 310 323 341 350 369 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669 707 714 747 760 805 818 820 831 840
   858 909 916 925 949 951 702 725 775 458 503 541 971 206 253 360 425 509 564`,
);
zone('America/Vancouver', '236 250 257 604 672 778');
zone('America/Anchorage', '907');
zone('Pacific/Honolulu', '808');
zone('America/Halifax', '782 902');
zone('America/Moncton', '428 506');
zone('America/St_Johns', '709');
zone('America/Puerto_Rico', '787 939');

/** Countries whose every number is in one zone (or nearly: a few islands apart). */
const countryZones: Record<string, string> = {
  GB: 'Europe/London',
  GG: 'Europe/London',
  JE: 'Europe/London',
  IM: 'Europe/London',
  IE: 'Europe/Dublin',
  FR: 'Europe/Paris',
  DE: 'Europe/Berlin',
  ES: 'Europe/Madrid',
  IT: 'Europe/Rome',
  NL: 'Europe/Amsterdam',
  BE: 'Europe/Brussels',
  LU: 'Europe/Luxembourg',
  CH: 'Europe/Zurich',
  AT: 'Europe/Vienna',
  PT: 'Europe/Lisbon',
  DK: 'Europe/Copenhagen',
  SE: 'Europe/Stockholm',
  NO: 'Europe/Oslo',
  FI: 'Europe/Helsinki',
  PL: 'Europe/Warsaw',
  CZ: 'Europe/Prague',
  GR: 'Europe/Athens',
  RO: 'Europe/Bucharest',
  HU: 'Europe/Budapest',
  IL: 'Asia/Jerusalem',
  AE: 'Asia/Dubai',
  IN: 'Asia/Kolkata',
  PK: 'Asia/Karachi',
  SG: 'Asia/Singapore',
  HK: 'Asia/Hong_Kong',
  PH: 'Asia/Manila',
  JP: 'Asia/Tokyo',
  KR: 'Asia/Seoul',
  CN: 'Asia/Shanghai',
  TW: 'Asia/Taipei',
  TH: 'Asia/Bangkok',
  VN: 'Asia/Ho_Chi_Minh',
  ZA: 'Africa/Johannesburg',
  NG: 'Africa/Lagos',
  KE: 'Africa/Nairobi',
  EG: 'Africa/Cairo',
  NZ: 'Pacific/Auckland',
  CO: 'America/Bogota',
  PE: 'America/Lima',
  AR: 'America/Argentina/Buenos_Aires',
};

/** The zone a number most likely rings in, or null when the number does not say (a multi-zone country). */
export function inferTimeZone(e164: string): string | null {
  if (e164.startsWith('+1') && e164.length === 12) {
    const byAreaCode = nanpZones[e164.slice(2, 5)];
    if (byAreaCode) return byAreaCode;
  }
  const country = countryOf(e164);
  return (country && countryZones[country]) ?? null;
}

/** The zone quiet hours are read in: the contact's own when known, else the number's, else the default. */
export function recipientTimeZone(e164: string, contactTimeZone: string | null | undefined, defaultTimeZone: string): string {
  return contactTimeZone ?? inferTimeZone(e164) ?? defaultTimeZone;
}
